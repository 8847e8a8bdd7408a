"""Browser phones: fill a form with ODK Web Forms (@getodk/web-forms, installed by npm, served from node_modules)."""
