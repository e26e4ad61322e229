"""What lineage announces to apps that build on it (governance): sent after commit."""
from django.dispatch import Signal

# Pipelines reported quality (``dataQualityAssertions`` / ``dataQualityMetrics``) on these ports.
# Keyword arguments: port_ids (list[int]).
quality_observed = Signal()
