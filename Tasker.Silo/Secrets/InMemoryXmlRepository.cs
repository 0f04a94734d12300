using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Tasker.Silo.Secrets;

/// <summary>Embedded mode's key ring: in memory, like every other state of an embedded silo (docs/adr/018).</summary>
public sealed class InMemoryXmlRepository : IXmlRepository
{
    private readonly Lock _lock = new();
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_lock)
        {
            return [.. _elements.Select(e => new XElement(e))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_lock)
        {
            _elements.Add(new XElement(element));
        }
    }
}
