// Goal trees: arrow-key navigation and "expand all / collapse all".
// This only enhances: without JavaScript a tree is nested lists whose <details> elements
// already open and close from the keyboard (Tab to the summary, then Enter or Space).
(function () {
  "use strict";

  function isShown(li, tree) {
    for (let el = li.parentElement; el && el !== tree; el = el.parentElement) {
      if (el.tagName === "DETAILS" && !el.open) return false;
    }
    return true;
  }

  function shownItems(tree) {
    return Array.from(tree.querySelectorAll("li.node")).filter((li) => isShown(li, tree));
  }

  const linkOf = (li) => li.querySelector(":scope > a");
  const detailsOf = (li) => li.querySelector(":scope > details");

  function parentItem(li, tree) {
    const parent = li.parentElement.closest("li.node");
    return parent && tree.contains(parent) ? parent : null;
  }

  function onKey(tree, ev) {
    const link = ev.target.closest("a");
    const li = link && link.parentElement;
    if (!li || !li.matches("li.node") || linkOf(li) !== link) return;
    const items = shownItems(tree);
    const at = items.indexOf(li);
    const details = detailsOf(li);
    let next = null;
    switch (ev.key) {
      case "ArrowDown": next = items[at + 1]; break;
      case "ArrowUp": next = items[at - 1]; break;
      case "Home": next = items[0]; break;
      case "End": next = items[items.length - 1]; break;
      case "ArrowRight":
        if (details && !details.open) details.open = true;
        else if (details) next = details.querySelector("li.node");
        break;
      case "ArrowLeft":
        if (details && details.open) details.open = false;
        else next = parentItem(li, tree);
        break;
      default: return;
    }
    ev.preventDefault();
    if (next) linkOf(next).focus();
  }

  function button(text, open, tree) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.addEventListener("click", () => {
      tree.querySelectorAll("details").forEach((d) => { d.open = open; });
    });
    return b;
  }

  function setup(tree) {
    if (!tree.querySelector("details")) return;
    tree.addEventListener("keydown", (ev) => onKey(tree, ev));
    const tools = document.createElement("div");
    tools.className = "tree-tools";
    tools.append(button(tree.dataset.expand, true, tree), button(tree.dataset.collapse, false, tree));
    tree.before(tools);
    const help = tree.parentElement.querySelector(".tree-help");
    if (help) help.hidden = false;
  }

  document.querySelectorAll("ul.tree[data-tree]").forEach(setup);
})();
