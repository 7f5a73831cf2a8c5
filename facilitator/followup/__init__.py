"""Follow-up: milestone status, check-ins, pulse surveys and reminders after the exchange."""
