import CHDF5

/// The version of the HDF5 library linked at run time ("1.14.5"), recorded in checkpoints.
public enum HDF5Version {
    public static var string: String {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = HDF5Library.locked { H5get_libversion(&major, &minor, &release) }
        return "\(major).\(minor).\(release)"
    }
}
