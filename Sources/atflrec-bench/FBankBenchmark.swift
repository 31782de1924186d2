// FBank throughput on a 30 s, 16 kHz clip at 80 bins (Kaldi defaults otherwise, dither 0).
// The clip is the committed CC0 sample (Tests/Fixtures/audio), down-mixed, resampled to 16 kHz
// and repeated to 30 s; it is written to .cache/bench/fbank_clip_30s.wav (16-bit PCM) and read
// back, so that the kaldi-native-fbank step of `make bench` (make/audio.mk) times the very same
// samples. Results go to stdout and to .cache/bench/fbank_swift.json for the ratio.
import AudioFeatures
import Foundation

let fbankBenchmark = Benchmark(name: "fbank") {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let source = root.appendingPathComponent("Tests/Fixtures/audio/amen_full_2s_44k1_stereo.wav").path
    let cache = root.appendingPathComponent(".cache/bench")
    try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    let clipPath = cache.appendingPathComponent("fbank_clip_30s.wav").path

    var frontEnd = AudioFrontEndOptions(maxSeconds: nil)
    frontEnd.fbank.numMelBins = 80
    let t0 = DispatchTime.now()
    let piece = try AudioFrontEnd.loadSamples(path: source, options: frontEnd)
    let loadMs = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6
    var clip: [Float] = []
    while clip.count < 480_000 { clip += piece }
    clip.removeLast(clip.count - 480_000)
    try AudioFile.writeWAV(path: clipPath, interleaved: clip, channels: 1, sampleRate: 16000)
    let samples = try AudioFile.read(path: clipPath).samples

    let fbank = try FBank(options: frontEnd.fbank)
    _ = try fbank.compute(samples)  // warm-up
    var times: [Double] = []
    var frames = 0
    for _ in 0..<40 {
        let start = DispatchTime.now()
        let f = try fbank.compute(samples)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
        frames = f.numFrames
    }
    times.sort()
    let median = times[times.count / 2]
    let seconds = Double(samples.count) / 16000
    print(String(format: "fbank   swift  30 s clip, 80 bins, 1 thread: %.2f ms median (min %.2f) = %.0f s of audio per s; %d frames",
                 median, times[0], seconds / (median / 1000), frames))
    print(String(format: "fbank   swift  decode + resample of the 2 s 44.1 kHz stereo WAV to 16 kHz (sinc best): %.1f ms", loadMs))

    // FBank alone on 16 clips with one FBank per thread: the compute part of the catalogue path.
    let banks = try (0..<2).map { _ in try FBank(options: frontEnd.fbank) }
    for threads in [1, 2] {
        let p0 = DispatchTime.now()
        let c0 = clock()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for _ in stride(from: t, to: 16, by: threads) { _ = try? banks[t].compute(samples) }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - p0.uptimeNanoseconds) / 1e6
        let cpuMs = Double(clock() - c0) / Double(CLOCKS_PER_SEC) * 1000
        // CPU time / wall time shows how many cores the run actually got (others' jobs share them).
        print(String(format: "fbank   swift  FBank only, 16 x 30 s clips, %d thread(s): %.0f ms = %.1f ms per clip (CPU/wall %.2f)",
                     threads, ms, ms / 16, cpuMs / ms))
    }

    // The catalogue path: 16 clips of 30 s from samples, both cores, into a temporary cache.
    let items = (0..<16).map { i in FBankCacheItem(id: "clip\(i)", samples: Array(samples[(i * 997)...]) + samples[..<(i * 997)]) }
    let cachePath = cache.appendingPathComponent("fbank_cache_bench.h5").path
    try? FileManager.default.removeItem(atPath: cachePath)
    for workers in [1, 2] {
        try? FileManager.default.removeItem(atPath: cachePath)
        let b0 = DispatchTime.now()
        try FBankCache.build(items: items, options: frontEnd, output: cachePath, workers: workers, progress: false)
        let ms = Double(DispatchTime.now().uptimeNanoseconds - b0.uptimeNanoseconds) / 1e6
        print(String(format: "fbank   swift  cache of 16 x 30 s clips (hash, FBank, HDF5 shards + merge), %d worker(s): %.0f ms = %.1f ms per clip",
                     workers, ms, ms / 16))
    }
    try? FileManager.default.removeItem(atPath: cachePath)
    let json = "{\"median_ms\": \(median), \"min_ms\": \(times[0]), \"frames\": \(frames), \"clip\": \"\(clipPath)\"}\n"
    try Data(json.utf8).write(to: cache.appendingPathComponent("fbank_swift.json"))
}
