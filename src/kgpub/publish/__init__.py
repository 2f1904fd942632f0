"""From source files to a validated snapshot: reading, SHACL validation, publishing."""
