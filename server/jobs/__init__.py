"""Durable jobs (OCR, transcription): rows in the database, so a restart resumes them."""
