"""Collection: survey waves and invitations, survey pages, the intake API, closed-loop alerts."""
