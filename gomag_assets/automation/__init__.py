"""What runs the assets without a person: schedules, sensors, alerts and asset checks."""
