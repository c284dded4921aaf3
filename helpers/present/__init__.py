"""What reports show: number formats, the one table styler, charts, notes, Markdown and key
figures, and the Explore widgets with their slice engine. Present imports core and i18n,
never an area."""
