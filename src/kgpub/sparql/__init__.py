"""The SPARQL 1.1 endpoint's core: protocol, policy, query workers, result formats."""
