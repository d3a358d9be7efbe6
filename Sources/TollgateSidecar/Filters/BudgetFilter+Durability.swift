import Synchronization
import TollgateBudget

/// The exchange and its budget filter, carried through the WAL flusher thread and back to the
/// exchange's loop. Only ever touched on that loop (hence unchecked).
private final class ExchangeOnLoop: @unchecked Sendable {
    let exchange: ProxyExchange
    let filter: BudgetFilter

    init(_ exchange: ProxyExchange, _ filter: BudgetFilter) {
        self.exchange = exchange
        self.filter = filter
    }
}

extension BudgetFilter {
    /// Durability before forwarding: with a WAL, an admitted request waits (`.suspend`) until
    /// its reserve record is fsynced, so a crash can never forget a reservation whose request
    /// the upstream may already be serving. Group commit batches these waits (a few ms).
    /// If the WAL failed, the request is released and refused with 503: without a durable
    /// record a hard budget could be overspent after a restart.
    func waitUntilDurable(_ x: ProxyExchange, _ r: Reservation) -> FilterVerdict {
        guard let ticket = r.ticket, let journal = engine.journal else { return .proceed }
        let carried = ExchangeOnLoop(x, self)
        let loop = x.context.loop
        journal.onDurable(ticket) { ok in
            if !ok { BudgetFilter.reportJournalFailure(journal) }
            // From the flusher thread (or from here, already durable): always hop, so the
            // resume runs after this filter has returned `.suspend`.
            loop.execute {
                if ok {
                    carried.exchange.resumeFilters(.proceed)
                } else {
                    carried.filter.abandonReservation()
                    carried.exchange.resumeFilters(.respond(BudgetFilter.journalUnavailable))
                }
            }
        }
        return .suspend
    }

    private static let journalFailureReported = Atomic<Bool>(false)

    /// Logs the WAL's failure once (every later request fails the same way).
    static func reportJournalFailure(_ journal: any BudgetJournal) {
        guard !journalFailureReported.exchange(true, ordering: .relaxed) else { return }
        let why = (journal as? WriteAheadLog)?.failure.map { "\($0)" } ?? "closed"
        Log.error("budget WAL failed (\(why)): requests under budgets are refused with 503 until the sidecar restarts")
    }

    static var journalUnavailable: ProxyError {
        ProxyError(status: 503, type: "server_error", code: "budget_journal_unavailable",
                   message: "the budget write-ahead log cannot be written; requests are refused until it can (see the sidecar log)")
    }
}
