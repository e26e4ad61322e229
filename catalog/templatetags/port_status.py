"""``{{ port|port_status }}``: why an output port is pending or not profiled ("" when all is well)."""
from django import template

from standards import servers

register = template.Library()


@register.filter
def port_status(port) -> str:
    return servers.port_status(port)[1]
