# NVML test double profile: HGX H100 (8x H100 SXM5), driver 580.95.05, Fabric Manager just started: every
# GPU's fabric IN_PROGRESS (CUDA would fail with error 802 until it completes)
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
driver_version=580.95.05
cuda_driver_version=13000
nvml_version=13.580.95.05

[device]
fabric_state=2
fabric_clique_id=0
name=NVIDIA H100 80GB HBM3
uuid=GPU-4893667d-2f62-f00c-9a99-8376e18479cf
pci_bus_id=00000000:07:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=534
memory_used_mib=1
temperature_c=30
power_draw_mw=69000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
fabric_state=2
fabric_clique_id=0
name=NVIDIA H100 80GB HBM3
uuid=GPU-a751559b-f0b2-9fe0-baf7-5dcd88d2bf21
pci_bus_id=00000000:0F:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=534
memory_used_mib=1
temperature_c=31
power_draw_mw=70000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
fabric_state=2
fabric_clique_id=0
name=NVIDIA H100 80GB HBM3
uuid=GPU-1e9a37cd-b03c-b45a-2814-55920a024e63
pci_bus_id=00000000:47:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=534
memory_used_mib=1
temperature_c=32
power_draw_mw=71000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
fabric_state=2
fabric_clique_id=0
name=NVIDIA H100 80GB HBM3
uuid=GPU-0dbc98d5-f864-2c28-5be9-e56faf4ee96b
pci_bus_id=00000000:4E:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=534
memory_used_mib=1
temperature_c=33
power_draw_mw=72000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
fabric_state=2
fabric_clique_id=0
name=NVIDIA H100 80GB HBM3
uuid=GPU-31659c1b-7a7f-06e7-d47d-8522a827539e
pci_bus_id=00000000:87:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=534
memory_used_mib=1
temperature_c=34
power_draw_mw=73000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
fabric_state=2
fabric_clique_id=0
name=NVIDIA H100 80GB HBM3
uuid=GPU-5291fbdf-f219-fa52-b105-db419085eaf2
pci_bus_id=00000000:90:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=534
memory_used_mib=1
temperature_c=35
power_draw_mw=74000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
fabric_state=2
fabric_clique_id=0
name=NVIDIA H100 80GB HBM3
uuid=GPU-74448e4a-0fc9-48a7-5767-512d3183dba8
pci_bus_id=00000000:B7:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=534
memory_used_mib=1
temperature_c=36
power_draw_mw=75000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
fabric_state=2
fabric_clique_id=0
name=NVIDIA H100 80GB HBM3
uuid=GPU-31fd9087-e819-c4c9-9c87-fafe382c1bf6
pci_bus_id=00000000:BD:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=534
memory_used_mib=1
temperature_c=37
power_draw_mw=76000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0
