"""The HTML pages: one router module per area, templates in web/templates/."""
