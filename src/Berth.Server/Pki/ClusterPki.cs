using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Berth.Server.Pki;

/// <summary>
/// The cluster's certificates under <c>DATA_DIR/pki</c>, generated on first start and reused after:
/// <code>
///   ca.crt / ca.key            the cluster CA (ECDSA P-256, 10 years)
///   apiserver.crt / .key       the serving certificate, signed by the CA; SANs: localhost, 127.0.0.1,
///                              ::1, the host name, the node name, kubernetes.default.svc..., 10.96.0.1;
///                              re-issued when a needed SAN is missing or it nears expiry
///   admin.crt / admin.key      a client certificate (CN=berth-admin, O=system:masters) for DIR/kubeconfig
///   tokens                     bearer tokens (one per line: TOKEN,USER,GROUP1|GROUP2), mode 0600
/// </code>
/// Private keys are written with mode 0600.
/// </summary>
public sealed class ClusterPki
{
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(365);

    private ClusterPki(string dir, X509Certificate2 ca, X509Certificate2 serving, X509Certificate2 admin)
    {
        Directory = dir;
        Ca = ca;
        Serving = serving;
        Admin = admin;
    }

    public string Directory { get; }

    /// <summary>The CA (with its private key).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The API server's serving certificate (with its private key).</summary>
    public X509Certificate2 Serving { get; }

    /// <summary>The admin client certificate (with its private key).</summary>
    public X509Certificate2 Admin { get; }

    public string CaPath => Path.Combine(Directory, "ca.crt");

    /// <summary>Loads the PKI from <paramref name="dataDir"/>/pki, creating what is missing.</summary>
    public static ClusterPki LoadOrCreate(string dataDir, IEnumerable<string> extraNames, TimeProvider time)
    {
        var dir = Path.Combine(dataDir, "pki");
        System.IO.Directory.CreateDirectory(dir);
        var now = time.GetUtcNow();

        var ca = Load(dir, "ca");
        if (ca is null || ca.NotAfter.ToUniversalTime() < now.UtcDateTime.AddDays(30))
        {
            ca = CreateCa(now);
            Save(dir, "ca", ca);
        }

        var names = new SortedSet<string>(StringComparer.Ordinal)
        {
            "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
            "127.0.0.1", "::1", "10.96.0.1", Dns.GetHostName(),
        };
        foreach (var n in extraNames.Where(n => !string.IsNullOrWhiteSpace(n)))
        {
            names.Add(n);
        }

        var serving = Load(dir, "apiserver");
        if (serving is null || !IssuedBy(serving, ca) || serving.NotAfter.ToUniversalTime() < now.UtcDateTime.AddDays(30) || !CoversAll(serving, names))
        {
            serving = Issue(ca, "berth-apiserver", null, names, serverAuth: true, now);
            Save(dir, "apiserver", serving);
        }

        var admin = Load(dir, "admin");
        if (admin is null || !IssuedBy(admin, ca) || admin.NotAfter.ToUniversalTime() < now.UtcDateTime.AddDays(30))
        {
            admin = Issue(ca, "berth-admin", "system:masters", [], serverAuth: false, now);
            Save(dir, "admin", admin);
        }

        return new ClusterPki(dir, ca, serving, admin);
    }

    /// <summary>True when <paramref name="cert"/> was signed by this cluster's CA.</summary>
    public bool IsSignedByCa(X509Certificate2 cert) => IssuedBy(cert, Ca);

    /// <summary>Issues a client certificate for <paramref name="user"/> in <paramref name="group"/> (agents, tests).</summary>
    public X509Certificate2 IssueClient(string user, string? group, TimeProvider time) =>
        Issue(Ca, user, group, [], serverAuth: false, time.GetUtcNow());

    public static string ToPem(X509Certificate2 cert) => cert.ExportCertificatePem() + "\n";

    public static string KeyToPem(X509Certificate2 cert) =>
        (cert.GetECDsaPrivateKey() ?? throw new InvalidOperationException("certificate has no ECDSA private key")).ExportPkcs8PrivateKeyPem() + "\n";

    private static X509Certificate2 CreateCa(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=berth-ca", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var cert = req.CreateSelfSigned(now.AddMinutes(-5), now + CaLifetime);
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string cn, string? org, IEnumerable<string> names, bool serverAuth, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = org is null ? $"CN={cn}" : $"CN={cn}, O={org}";
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var eku = new OidCollection { new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2") };
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(eku, false));
        var san = new SubjectAlternativeNameBuilder();
        var any = false;
        foreach (var n in names)
        {
            any = true;
            if (IPAddress.TryParse(n, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(n);
            }
        }

        if (any)
        {
            req.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = now + LeafLifetime < ca.NotAfter ? now + LeafLifetime : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        using var signed = req.Create(ca, now.AddMinutes(-5), notAfter, serial);
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    private static bool IssuedBy(X509Certificate2 cert, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreWrongUsage;
        return chain.Build(cert);
    }

    private static bool CoversAll(X509Certificate2 cert, IEnumerable<string> names)
    {
        var ext = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (ext is null)
        {
            return false;
        }

        var have = new HashSet<string>(ext.EnumerateDnsNames(), StringComparer.OrdinalIgnoreCase);
        foreach (var ip in ext.EnumerateIPAddresses())
        {
            have.Add(ip.ToString());
        }

        return names.All(n => have.Contains(IPAddress.TryParse(n, out var ip) ? ip.ToString() : n));
    }

    private static X509Certificate2? Load(string dir, string name)
    {
        var crt = Path.Combine(dir, name + ".crt");
        var key = Path.Combine(dir, name + ".key");
        if (!File.Exists(crt) || !File.Exists(key))
        {
            return null;
        }

        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(crt, key);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static void Save(string dir, string name, X509Certificate2 cert)
    {
        WriteAtomic(Path.Combine(dir, name + ".key"), KeyToPem(cert), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteAtomic(Path.Combine(dir, name + ".crt"), ToPem(cert), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>Writes a file by rename so that a crash never leaves half a key or certificate.</summary>
    public static void WriteAtomic(string path, string content, UnixFileMode mode)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, content, Encoding.ASCII);
        File.SetUnixFileMode(tmp, mode);
        using (var f = new FileStream(tmp, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
