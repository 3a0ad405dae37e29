"""Implementations of the service ports on AWS: DynamoDB, SES, Cognito, Powertools idempotency."""
