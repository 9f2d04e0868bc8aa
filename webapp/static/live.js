/* Live numbers: highlights values that changed after an HTMX swap (owned by the earnings pages). */
