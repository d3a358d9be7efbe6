/// Hard budgets refuse what would exceed them; soft budgets admit, count, and flag an alert
/// (the HTTP layer turns the flag into a header and a metric).
public enum BudgetMode: String, Sendable, Hashable, Codable {
    case hard
    case soft
}
