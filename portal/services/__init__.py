"""The portal's work, as functions of a database session and plain values (never `request`)."""
