"""Spreadsheets for the people who keep a municipality's strategy: the template generated
from the shapes, import (with validation, every problem at its cell), export, check."""
