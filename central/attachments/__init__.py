"""Content-addressed attachments (visit photos): resumable, idempotent uploads by the devices."""
