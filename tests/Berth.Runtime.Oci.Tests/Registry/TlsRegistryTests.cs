using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Registry;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Registry;

/// <summary>HTTPS with a private CA: trusted through caFile, refused (with a hint) without it.</summary>
[Trait("Tier", "Integration")]
public sealed class TlsRegistryTests
{
    [Fact]
    public async Task ACaFileMakesAPrivateRegistryTrustedAndItsAbsenceIsExplained()
    {
        TestEnvironment.RequireRoot();
        using var tmp = new TempDir("tls");
        var (caFile, certFile, keyFile) = WriteCertificates(tmp.Path);
        await using var server = await RegistryServer.StartAsync(certFile, keyFile);
        // 127.0.0.1 is insecure by default; say it is not, so that TLS is verified.
        var strict = new RegistryOptions { Registries = new() { [server.Host] = new RegistryHostConfig { Insecure = false } } };
        var trusted = strict.With(null, server.Host, caFile: caFile);

        var store = new ImageStore(tmp.Sub("a"));
        var digest = await ImageFixtures.BuildSmallAsync(store, "tls:1");
        var target = $"{server.Host}/tls:1";
        Assert.Equal(digest, (await new ImagePusher(store, trusted).PushAsync("tls:1", target, null, TestContext.Current.CancellationToken)).Digest);
        var fresh = new ImageStore(tmp.Sub("b"));
        Assert.Equal(digest, (await new ImagePuller(fresh, trusted).PullAsync(target, null, TestContext.Current.CancellationToken)).Digest);

        var e = await Assert.ThrowsAsync<RegistryException>(() => new ImagePuller(new ImageStore(tmp.Sub("c")), strict).PullAsync(target, null, TestContext.Current.CancellationToken));
        Assert.Contains("tls: handshake with", e.Message);
        Assert.Contains("caFile", e.Message);
    }

    private static (string Ca, string Cert, string Key) WriteCertificates(string dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=bt-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));

        var caFile = Path.Combine(dir, "ca.pem");
        var certFile = Path.Combine(dir, "server.pem");
        var keyFile = Path.Combine(dir, "server.key");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportECPrivateKeyPem());
        return (caFile, certFile, keyFile);
    }
}
