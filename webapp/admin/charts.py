"""The charts moved to webapp/charts.py (creator pages draw them too); the flags page imports here."""
from webapp.charts import Sparkline, views_sparkline as sparkline

__all__ = ["Sparkline", "sparkline"]
