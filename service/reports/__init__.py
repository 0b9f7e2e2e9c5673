"""Operations reports read from the audit trail (audit role only)."""
