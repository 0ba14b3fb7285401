"""Personal data (GDPR): consent records, export and erasure of one person's data, retention."""
