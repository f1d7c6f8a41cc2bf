"""The server-rendered console (Jinja2 templates, htmx, cytoscape.js, Chart.js from npm)."""
