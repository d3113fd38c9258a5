// The version of Album: `album --version` prints it. Change it here only.

enum AlbumVersion {
    static let string = "0.9.0"
}
