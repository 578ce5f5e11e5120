// MSBuild inline task (RoslynCodeTaskFactory): marks one symbol-version need of an ELF64 shared library weak,
// so glibc's loader tolerates a libstdc++ that lacks it. Idempotent; touches only files that exist.
using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class CdatWeakenElfVersionNeed : Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; }
    [Required] public string VersionName { get; set; }
    /// <summary>auto: only when the machine's libstdc++ lacks the version; true: always.</summary>
    [Required] public string Mode { get; set; }

    public override bool Execute()
    {
        var targets = Files.Select(f => f.ItemSpec).Where(File.Exists).Distinct().ToList();
        if (targets.Count == 0) return true;

        if (string.Equals(Mode, "auto", StringComparison.OrdinalIgnoreCase))
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return true;
            string libstdcxx = FindLibStdCxx();
            if (libstdcxx != null && FileContains(libstdcxx, Encoding.ASCII.GetBytes(VersionName + "\0")))
            {
                Log.LogMessage(MessageImportance.Low, "{0} provides {1}; libLibTorchSharp.so left as shipped.", libstdcxx, VersionName);
                return true;
            }
        }

        foreach (var path in targets)
        {
            try
            {
                var bytes = File.ReadAllBytes(path);
                int changed = Weaken(bytes, Encoding.ASCII.GetBytes(VersionName));
                if (changed > 0)
                {
                    File.WriteAllBytes(path, bytes);
                    Log.LogMessage(MessageImportance.Normal, "Marked {0} weak in {1}.", VersionName, path);
                }
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogWarning("Could not mark {0} weak in {1}: {2}", VersionName, path, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    static string FindLibStdCxx()
    {
        string[] dirs = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                          "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib" };
        return dirs.Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
    }

    static bool FileContains(string path, byte[] needle)
    {
        var hay = File.ReadAllBytes(path);
        for (int i = 0; i + needle.Length <= hay.Length; i++)
            if (hay[i] == needle[0] && Matches(hay, i, needle)) return true;
        return false;
    }

    /// <summary>Sets VER_FLG_WEAK on every vernaux entry named <paramref name="name"/>; returns how many changed.</summary>
    static int Weaken(byte[] elf, byte[] name)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only 64-bit little-endian ELF is supported");

        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        if (shoff == 0 || shoff + (ulong)(shentsize * shnum) > (ulong)elf.Length) throw new InvalidDataException("bad section table");

        int changed = 0;
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)shoff + i * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            int offset = checked((int)BitConverter.ToUInt64(elf, sh + 0x18));
            int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
            int count = (int)BitConverter.ToUInt32(elf, sh + 0x2C);
            int strtab = checked((int)BitConverter.ToUInt64(elf, (int)shoff + link * shentsize + 0x18));

            int vn = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, vn + 2);
                int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                    int nameOffset = strtab + (int)BitConverter.ToUInt32(elf, aux + 8);
                    if (NameEquals(elf, nameOffset, name) && (flags & VerFlgWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, aux + 4);
                        changed++;
                    }
                    int next = (int)BitConverter.ToUInt32(elf, aux + 12);
                    if (next == 0) break;
                    aux += next;
                }
                int nextNeed = (int)BitConverter.ToUInt32(elf, vn + 12);
                if (nextNeed == 0) break;
                vn += nextNeed;
            }
        }
        return changed;
    }

    static bool NameEquals(byte[] elf, int offset, byte[] name) =>
        offset + name.Length < elf.Length && Matches(elf, offset, name) && elf[offset + name.Length] == 0;

    static bool Matches(byte[] hay, int offset, byte[] needle)
    {
        for (int j = 0; j < needle.Length; j++)
            if (hay[offset + j] != needle[j]) return false;
        return true;
    }
}
