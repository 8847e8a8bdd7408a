"""Scoring: the ``scoring`` sheet of an XLSForm, checked at upload and evaluated (XPath, elementpath) at ingest."""
