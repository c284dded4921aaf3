"""Areas: one package per kind of analysis (overview, market, products, traffic, campaigns,
customers, service). An area imports core, i18n and present, never another area."""
