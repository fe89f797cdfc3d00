"""Arabic pages print numbers as Arabic users of business software read them and as our forms
take them: Latin digits, a decimal point and a comma between thousands ("1,234.50", "7.75%").
Django's Arabic formats use a decimal comma and a point between thousands, which made "9,25%"
on one page and "24.7136" on another, and "2.000" read as two. Dates keep Django's formats."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
