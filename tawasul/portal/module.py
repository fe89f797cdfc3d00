"""What the customer and dealer portal plugs into the platform (`tawasul.core.registry`)."""


def register(registry) -> None:
    registry.urls("portal/", "tawasul.portal.urls", namespace="portal")
    registry.demo_builder("portal accounts", "tawasul.portal.demo.build")
