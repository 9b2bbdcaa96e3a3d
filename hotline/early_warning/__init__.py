"""Early warning: details named across separate reports (a venue, an address, a phone number, a plate,
a person's name) brought together for supervisors and the country's response unit, as keyed hashes."""
