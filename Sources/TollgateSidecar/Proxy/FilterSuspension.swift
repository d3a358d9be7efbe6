/// Where an exchange's filter chain waits after a filter answered `.suspend`: the hook and the
/// index of the filter that suspended it.
enum FilterSuspension {
    case head(Int)
    case body(Int)
}
