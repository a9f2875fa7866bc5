"""Self-contained HTML report (Dutch or English) from the dictionary of :func:`build_report`.

``render_html(report)`` returns one HTML document with plotly.js inlined (read from the installed
``plotly`` package, no network); ``write_html(report, path)`` writes it.
"""

from servicechain.report.html import TEXTS, plotly_js, render_html, write_html

__all__ = ["TEXTS", "plotly_js", "render_html", "write_html"]
