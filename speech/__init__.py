"""Fieldvisit speech-to-text library (Vosk). Built with the voice-notes issue."""
