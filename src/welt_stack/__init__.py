"""The local stack: moto server for AWS, both Chalice apps, seeded brands and users. Not shipped to Lambda."""
