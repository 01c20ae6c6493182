import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open migrations folder: files are opened relative to it (`openat`), which spares the kernel a walk down the
/// whole path for each of thousands of files. Closed when the last reference goes.
///
/// ```swift
/// let folder = try FolderHandle(path: "migrations", display: "migrations")
/// let text = try DirectorySource.readUTF8(in: folder, "0001_init.sql", display: "0001_init.sql")
/// ```
final class FolderHandle: Sendable {
    let path: String
    let descriptor: Int32

    /// Opens `path`; the error names `display`.
    init(path: String, display: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SourceError(directory: display, problems: [SourceProblem(file: path, message: "cannot open directory: \(String(cString: strerror(errno)))")])
        }
        self.path = path
        self.descriptor = fd
    }

    deinit { close(descriptor) }
}
