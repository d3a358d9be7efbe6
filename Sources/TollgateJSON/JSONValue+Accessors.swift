extension JSONValue {
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }

    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    /// An integral number as Int64 ("3", "3.0", "3e2" all qualify); nil for fractions,
    /// out-of-range values and non-numbers.
    public var int64Value: Int64? {
        guard case .number(let text) = self else { return nil }
        return JSONNumber.integer(Array(text.utf8)[...])
    }

    public var intValue: Int? { int64Value.flatMap { Int(exactly: $0) } }

    public var doubleValue: Double? { if case .number(let t) = self { return Double(t) } else { return nil } }

    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }

    public var objectMembers: [(key: String, value: JSONValue)]? {
        if case .object(let m) = self { return m } else { return nil }
    }

    /// Element `index` of an array, if any.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }

    /// Sets member `key` of an object: replaces the first member with that key in place (and
    /// drops any later duplicates, so readers cannot disagree), or appends it. No effect on
    /// non-objects; returns whether the value was an object.
    @discardableResult
    public mutating func setMember(_ key: String, _ value: JSONValue) -> Bool {
        guard case .object(var members) = self else { return false }
        if let i = members.firstIndex(where: { $0.key == key }) {
            members[i].value = value
            var j = members.count - 1
            while j > i {
                if members[j].key == key { members.remove(at: j) }
                j -= 1
            }
        } else {
            members.append((key: key, value: value))
        }
        self = .object(members)
        return true
    }

    /// Removes every member `key` of an object; returns the first removed value.
    @discardableResult
    public mutating func removeMember(_ key: String) -> JSONValue? {
        guard case .object(var members) = self else { return nil }
        let first = members.first { $0.key == key }?.value
        members.removeAll { $0.key == key }
        self = .object(members)
        return first
    }

    public func settingMember(_ key: String, _ value: JSONValue) -> JSONValue {
        var copy = self
        copy.setMember(key, value)
        return copy
    }

    public func removingMember(_ key: String) -> JSONValue {
        var copy = self
        copy.removeMember(key)
        return copy
    }
}
