"""Submissions: ingest from ODK Collect (and the browser form host), instance parsing, attachments."""
