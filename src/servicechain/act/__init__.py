"""Acting on the results: action plans, the customer-centricity scan (more to come: ideas,
recognition, incentive rules)."""
