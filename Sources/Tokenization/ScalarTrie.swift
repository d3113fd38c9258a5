// A read-only trie over Unicode scalars with sorted children (binary search) and a direct table for the root's
// BMP children. Used for Unigram vocabularies and added-token matching.
// Mirrors the role of HF tokenizers' byte trie (`models/unigram/trie.rs`): prefix matches come out shortest first.

/// Immutable scalar trie mapping keys to `Int32` values.
struct ScalarTrie: Sendable {
    private var labels: [UInt32] = []      // child label, grouped by parent, sorted within a group
    private var targets: [Int32] = []      // child node index, parallel to `labels`
    private var firstChild: [Int32] = []   // per node: start of its children in `labels`
    private var childCount: [Int32] = []   // per node
    private var values: [Int32] = []       // per node: value or -1
    private var rootBMP: [Int32] = []      // root child node for scalars < 0x10000, or -1

    /// Builds the trie; a later duplicate key overwrites an earlier one (HashMap insert semantics).
    init(keys: [(key: [Unicode.Scalar], value: Int32)]) {
        // Build with dictionaries, then flatten breadth-first into sorted arrays.
        var children: [[UInt32: Int]] = [[:]]
        var vals: [Int32] = [-1]
        for (key, value) in keys where !key.isEmpty {
            var node = 0
            for s in key {
                if let next = children[node][s.value] { node = next } else {
                    children.append([:]); vals.append(-1)
                    children[node][s.value] = children.count - 1
                    node = children.count - 1
                }
            }
            vals[node] = value
        }
        // Renumber breadth-first so that siblings are contiguous.
        var order = [0]
        var newIndex = [Int](repeating: -1, count: children.count)
        newIndex[0] = 0
        var head = 0
        while head < order.count {
            let old = order[head]; head += 1
            for (_, child) in children[old].sorted(by: { $0.key < $1.key }) {
                newIndex[child] = order.count
                order.append(child)
            }
        }
        firstChild = [Int32](repeating: 0, count: order.count)
        childCount = [Int32](repeating: 0, count: order.count)
        values = [Int32](repeating: -1, count: order.count)
        for (n, old) in order.enumerated() {
            values[n] = vals[old]
            firstChild[n] = Int32(labels.count)
            let sorted = children[old].sorted(by: { $0.key < $1.key })
            childCount[n] = Int32(sorted.count)
            for (label, child) in sorted {
                labels.append(label)
                targets.append(Int32(newIndex[child]))
            }
        }
        rootBMP = [Int32](repeating: -1, count: 0x10000)
        for i in 0..<Int(childCount[0]) where labels[i] < 0x10000 {
            rootBMP[Int(labels[i])] = targets[i]
        }
    }

    /// The root node.
    static let root: Int32 = 0

    /// Child of `node` labelled `scalar`, or -1.
    @inline(__always)
    func child(_ node: Int32, _ scalar: UInt32) -> Int32 {
        if node == 0 && scalar < 0x10000 { return rootBMP[Int(scalar)] }
        var lo = Int(firstChild[Int(node)])
        var hi = lo + Int(childCount[Int(node)])
        while lo < hi {
            let mid = (lo + hi) >> 1
            let l = labels[mid]
            if l == scalar { return targets[mid] }
            if l < scalar { lo = mid + 1 } else { hi = mid }
        }
        return -1
    }

    /// Value stored at `node`, or -1.
    @inline(__always)
    func value(_ node: Int32) -> Int32 { values[Int(node)] }

    /// True when no key was inserted.
    var isEmpty: Bool { values.count <= 1 }
}
