"""Evidence checks on visits: GPS distance, duration, photo capture time, photos reused across the county."""
