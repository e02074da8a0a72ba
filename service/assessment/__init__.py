"""督导考核 (SPEC §12): the annual assessment of each district from the data, with the city's adjustments."""
