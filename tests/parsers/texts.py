"""Article text written for the parser tests (facts of the first story, our own sentences)."""

P = [
    "Homeland Security Secretary Kristi Noem met Mexican President Claudia Sheinbaum at the "
    "National Palace on Friday, in a meeting that ran far longer than planned, officials said.",
    "Noem said she had brought a list of requests from Washington, including the sharing of "
    "biometric data, closer watch of the southern border and more scans of air cargo.",
    "Sheinbaum told reporters on Tuesday that no agreement on biometric data had been signed, "
    "and that Mexico would discuss any proposal in a working group, as it does with others.",
    "The talks came days before the White House was due to announce new tariffs, which Mexican "
    "exporters fear could hit cars, steel and farm goods already facing duties of 25 percent.",
    "Analysts in Mexico City said the visit showed how closely migration, security and trade "
    "have become tied together in the relationship between the two governments this year.",
]
