"""Notes a rep (or their supervisor) keeps about a store; dictated recordings fill their text."""
