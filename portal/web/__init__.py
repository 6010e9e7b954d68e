"""HTTP only: one blueprint per area; a view validates a form, calls one service, renders."""
