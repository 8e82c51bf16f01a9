"""Supervisors' side of the day: the reps' end-of-day confirmations, the review queue of photo
check-ins and visits, the on-time rate of key actions and route coverage."""
