"""Supervisors' review of visits: review states with history, spot-check samples worked as a queue."""
