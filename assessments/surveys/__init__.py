"""Anonymous partnership surveys: rounds, invitations, answers, results and network roll-ups."""
