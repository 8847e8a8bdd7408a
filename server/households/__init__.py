"""Households: registry, members, category history, cadre assignments, import, entity lists, household file."""
