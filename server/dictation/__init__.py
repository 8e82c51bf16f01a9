"""Voice notes: live dictation over a WebSocket, and recordings made offline transcribed as durable jobs."""
