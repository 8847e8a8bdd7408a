"""PDF documents for township staff: the 走访记录 of a household and its 一户一档, rendered with WeasyPrint."""
